export function CameraPage() {
  return (
    <section className="page">
      <h1>Camera</h1>
      <p className="muted">This page is being built.</p>
    </section>
  );
}
