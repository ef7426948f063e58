"""Knowledge documents in: Help Center articles and uploaded files, stored with their events."""
