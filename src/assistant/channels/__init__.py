"""Channels: adapters that carry citizens' questions to the assistant and its answers back.

Each channel implements `assistant.channels.base.Channel` and is registered in `assistant.runtime.CHANNELS`;
see docs/ARCHITECTURE.md ("A new channel")."""
