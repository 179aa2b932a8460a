"""The privacy officers' workspace (``lakewarden serve``): sign-in and permissions from the key server."""
