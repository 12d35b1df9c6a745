"""The guide's domain model and its store: attractions, their names, hours and fees."""
