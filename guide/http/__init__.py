"""Everything that answers a request: the route modules and the helpers they share."""
