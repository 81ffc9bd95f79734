export function Admin() {
  return (
    <section className="page">
      <h1>Admin</h1>
      <p className="muted">This page is being built.</p>
    </section>
  );
}
