export function Cameras() {
  return (
    <section className="page">
      <h1>Cameras</h1>
      <p className="muted">This page is being built.</p>
    </section>
  );
}
