"""The Telegram layer: transport, rendering, ordering, sending."""
import os

# python-telegram-bot 22 is moving RetryAfter.retry_after to a timedelta; take the new form now
# (bot/sender.py reads either) so no deprecation warning is raised per 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
