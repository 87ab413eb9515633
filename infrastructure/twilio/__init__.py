"""Twilio adapters: the REST gateway (SMS, recordings) and voice helpers."""
