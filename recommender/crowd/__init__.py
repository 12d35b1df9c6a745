"""Crowd levels: observations from feeds, their state, hour-of-week profiles and forecasts."""
