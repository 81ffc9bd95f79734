export function Organization() {
  return (
    <section className="page">
      <h1>Organization</h1>
      <p className="muted">This page is being built.</p>
    </section>
  );
}
