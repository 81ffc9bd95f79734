export function Alerts() {
  return (
    <section className="page">
      <h1>Alerts</h1>
      <p className="muted">This page is being built.</p>
    </section>
  );
}
