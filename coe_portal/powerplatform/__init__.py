"""Clients for the Microsoft Power Platform admin APIs."""
