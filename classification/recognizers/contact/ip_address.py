"""IP_ADDRESS: IPv4 and IPv6 addresses (personal data under GDPR), validated with ``ipaddress``."""

from __future__ import annotations

import ipaddress

from classification.recognizers.base import LakewardenPatternRecognizer


class IpAddressRecognizer(LakewardenPatternRecognizer):
    """Dotted-quad IPv4 (each octet 0-255) and colon-hex IPv6 (including ``::`` shorthand)."""

    ENTITY = "IP_ADDRESS"
    PATTERNS = [
        # not a version number: "Chrome/41.0.887.0", "rv:1.9.7.20", "v10.2.0.1" (user agents, build tags)
        ("ipv4", r"(?<![\d.])(?<!\w/)(?<!rv:)(?<![vV])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])", 0.6),
        ("ipv6", r"(?<![:\w])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{1,4}){0,6}(?![:\w])", 0.6),
    ]
    CONTEXT = ["ip", "ipaddress", "ip_address", "address", "client", "remote", "host"]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        try:
            ipaddress.ip_address(pattern_text)
        except ValueError:
            return False
        return True
