export function Events() {
  return (
    <section className="page">
      <h1>Events</h1>
      <p className="muted">This page is being built.</p>
    </section>
  );
}
