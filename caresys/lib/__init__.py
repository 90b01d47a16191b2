"""Plain helpers shared by the apps (not an app: no models, no urls)."""
