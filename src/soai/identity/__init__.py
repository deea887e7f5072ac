"""Identity: users, roles, permissions, sessions, API tokens and CSRF protection."""
