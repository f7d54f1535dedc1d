"""The viewer's HTTP layer: server-rendered pages for clinicians, responders and patients."""
