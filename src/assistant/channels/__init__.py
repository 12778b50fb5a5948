"""Channels: adapters that carry citizens' questions to the assistant and its answers back."""
