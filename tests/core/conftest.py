"""Core tier: Hypothesis settings shared by the property tests.

The properties assert behaviour, not speed: on a loaded two-core machine Hypothesis's
per-example deadline and its "input generation is slow" health check fail runs whose
properties all hold, so both are off. The number of examples stays Hypothesis's own.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "crm", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("crm")
