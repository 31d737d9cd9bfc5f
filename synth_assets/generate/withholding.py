"""What comes off gross pay before it reaches the bank: a paycheck is deposited net of income
tax, Social Security and Medicare, and the benefits and retirement savings the employer takes
out first; a pension is paid net of income tax and the Medicare Part B premium; a client pays
an invoice in full.

The figures are for 2025, each with its source; ``docs/realism.md`` lists them. A persona may
set its own share instead (``income.withholding``).
"""

from __future__ import annotations

import numpy as np

from synth_assets.personas import MOST_WITHHELD, Filing, Income

WAGES = "INCOME_SALARY"
PENSION = "INCOME_RETIREMENT_PENSION"

# Federal income tax brackets for 2025 (IRS Rev. Proc. 2024-40, section 3.01): the upper end
# of each bracket, and its rate.
RATES = np.array([0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37])
BRACKETS = {
    Filing.SINGLE: np.array([11_925, 48_475, 103_350, 197_300, 250_525, 626_350, np.inf]),
    Filing.MARRIED_JOINT: np.array([23_850, 96_950, 206_700, 394_600, 501_050, 751_600, np.inf]),
}
# The 2025 standard deduction as amended by Public Law 119-21 (2025), section 70102.
STANDARD_DEDUCTION = {Filing.SINGLE: 15_750.0, Filing.MARRIED_JOINT: 31_500.0}
# Social Security 6.2% up to the 2025 wage base, Medicare 1.45% (SSA, "2025 Social Security
# Changes" fact sheet); a joint household is two earners, each with the base.
SOCIAL_SECURITY, WAGE_BASE, MEDICARE = 0.062, 176_100.0, 0.0145
EARNERS = {Filing.SINGLE: 1, Filing.MARRIED_JOINT: 2}
# Workers' yearly share of employer health premiums: KFF Employer Health Benefits Survey 2024,
# $1,368 for single coverage and $6,296 for family coverage.
HEALTH_PREMIUM = {Filing.SINGLE: 1_368.0, Filing.MARRIED_JOINT: 6_296.0}
# Share of pay deferred into a 401(k): Vanguard, How America Saves 2025 (average deferral rate
# about 7%; not every worker takes part, so a little below it).
RETIREMENT_DEFERRAL = 0.06
# Lower-paid workers take part in employer health and retirement plans less often (BLS,
# National Compensation Survey, Employee Benefits in the United States, March 2024: access and
# take-up by wage percentile); both phase in with pay, in full from this gross pay (ours).
BENEFITS_FULL_AT = 50_000.0
# State income tax: a flat share of taxable wages, about the typical state's effective rate
# (Tax Foundation, State Individual Income Tax Rates and Brackets, 2025), and none in the
# states that levy no tax on wages.
STATE_RATE = 0.04
# Social Security pays a retiree's benefit net of the Medicare Part B premium: the 2025
# standard premium is $185.00 a month (CMS, "2025 Medicare Parts A & B Premiums and
# Deductibles" fact sheet); a joint household is two people, each with the premium. Other
# pension payers leave the premium to the retiree.
PART_B_PREMIUM = 185.0 * 12
SOCIAL_SECURITY_PAYER = "Social Security Administration"
NO_WAGE_TAX = frozenset({"AK", "FL", "NV", "NH", "SD", "TN", "TX", "WA", "WY"})


def federal_tax(taxable: np.ndarray, filing: Filing) -> np.ndarray:
    """Federal income tax on each yearly taxable income (after the standard deduction)."""
    upper = BRACKETS[filing]
    lower = np.r_[0.0, upper[:-1]]
    taxable = np.maximum(np.asarray(taxable, dtype=float), 0.0)[:, None]
    return (np.clip(taxable - lower, 0.0, upper - lower) * RATES).sum(axis=1)


def kept_back(
    gross: np.ndarray, region: np.ndarray, income: Income, payer: np.ndarray | None = None
) -> np.ndarray:
    """The share of each yearly gross income withheld before it is deposited (``payer``:
    who pays each, for a pension: Social Security also keeps the Part B premium)."""
    gross = np.maximum(np.asarray(gross, dtype=float), 1.0)
    if income.withholding is not None:
        return np.full(len(gross), income.withholding)
    if income.category not in (WAGES, PENSION):
        return np.zeros(len(gross))  # invoices and gig payouts arrive gross
    filing = income.filing
    if income.category == PENSION:
        deducted = np.zeros(len(gross))
        by_social_security = np.asarray(payer, dtype=object) == SOCIAL_SECURITY_PAYER
        payroll_tax = by_social_security * PART_B_PREMIUM * EARNERS[filing]  # after tax
        state = np.zeros(len(gross))  # most states exempt some or all pension income
    else:
        taking_part = np.minimum(gross / BENEFITS_FULL_AT, 1.0)
        premium = HEALTH_PREMIUM[filing] * taking_part
        deducted = gross * RETIREMENT_DEFERRAL * taking_part + premium
        base = WAGE_BASE * EARNERS[filing]
        covered = np.maximum(gross - premium, 0.0)
        payroll_tax = np.minimum(covered, base) * SOCIAL_SECURITY + covered * MEDICARE
        taxed_here = ~np.isin(np.asarray(region, dtype=object), list(NO_WAGE_TAX))
        state = np.where(taxed_here, np.maximum(gross - deducted, 0.0) * STATE_RATE, 0.0)
    taxable = gross - deducted - STANDARD_DEDUCTION[filing]
    withheld = deducted + payroll_tax + state + federal_tax(taxable, filing)
    return np.clip(withheld / gross, 0.0, MOST_WITHHELD)
