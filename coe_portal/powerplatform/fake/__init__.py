"""A local stand-in for Microsoft's identity platform and Power Platform admin APIs.

Only tests, the demo and bench/ import this package; the client never does.
"""
