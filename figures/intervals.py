"""95% confidence intervals for a mean, from the t-distribution.

A mean change over a handful of people is uncertain, and the normal approximation
(1.96 standard errors) understates that for small groups: at 8 people, the smallest group
the default rule publishes, the t-distribution's multiplier is 2.365, not 1.96. So every
interval here uses Student's t with n - 1 degrees of freedom: the two-sided 97.5th
percentiles for 1 to 30 degrees of freedom are the standard tabulated values (for example
NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2), and beyond 30 the
Cornish-Fisher expansion of t in terms of the normal percentile (Abramowitz and Stegun,
26.7.5), which agrees with the tables to three decimal places there.
"""

import math
from decimal import Decimal

Z_975 = 1.959963984540054

T_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
}


def t_975(degrees_of_freedom: int) -> float:
    """The multiplier of the standard error for a two-sided 95% interval."""
    if degrees_of_freedom < 1:
        raise ValueError("a t-interval needs at least one degree of freedom")
    if degrees_of_freedom in T_975:
        return T_975[degrees_of_freedom]
    z, v = Z_975, degrees_of_freedom
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def mean_interval(*, mean, sd, n: int) -> tuple[float, float] | None:
    """The 95% interval for a mean of ``n`` values with sample standard deviation ``sd``;
    None when it cannot be computed (fewer than two values)."""
    if n < 2 or mean is None or sd is None:
        return None
    half = t_975(n - 1) * float(sd) / math.sqrt(n)
    return float(mean) - half, float(mean) + half


def square_root(value: Decimal) -> Decimal:
    """The square root of ``value`` to as many decimal places as it has, rounded half up:
    what PostgreSQL's ``stddev_samp`` takes of its variance (``sqrt_var`` at the variance's
    scale), worked out exactly in integers; nought for a value that is not positive."""
    places = max(-value.as_tuple().exponent, 0)
    if value <= 0:
        return Decimal(0).scaleb(-places)
    scaled = int(value.scaleb(2 * places))
    root = math.isqrt(scaled)
    if scaled - root * root > root:
        root += 1
    return Decimal(root).scaleb(-places)
