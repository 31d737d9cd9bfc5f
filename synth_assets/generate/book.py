"""One block's households: its users and accounts, and everything about them that stays the
same from month to month: who is paid by whom and on which day, who rents and for how much,
who pays which bill and subscription on which day, where the monthly sweep goes.

Each of these is drawn once per block from a stream of its own (not anchored on a month), so
a month's streams (``recurring``, ``purchases``) read the same household whatever months are
generated around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from synth_assets.generate import calendar, services, withholding
from synth_assets.generate.common import Context, lognormal
from synth_assets.generate.habits import Habits, appetite, regular_places
from synth_assets.generate.pools import pools
from synth_assets.generate.purchases import merchant_table, spending_users, transit_fares
from synth_assets.personas import Frequency, PayFrequency, Subscription

TABLE = "transactions"
# The month an employer's yearly raises take effect: January most often, then April, then
# mid-year (WorldatWork Salary Budget Survey: most merit increases share one review date, most
# often at the start of the calendar or fiscal year). The weights are ours.
REVIEW_MONTHS = np.array([1, 4, 7, 10])
REVIEW_WEIGHTS = np.array([0.5, 0.25, 0.15, 0.1])
PENSION_PAYERS = np.array(
    [withholding.SOCIAL_SECURITY_PAYER, "CalPERS Pension", "State Teachers Retirement"]
)
LANDLORDS = np.array(
    ["Greystar", "Equity Residential", "AvalonBay Communities", "Camden Property Trust"]
)
EXTERNAL_BANKS = np.array(
    ["Ally Bank", "Marcus by Goldman Sachs", "Vanguard", "Fidelity", "Capital One 360", "Discover Bank"]
)  # fmt: skip


def index_by_user(accounts: pd.DataFrame, subtype: str) -> pd.Series:
    """user_id -> row index of the user's account of ``subtype`` (one per user at most)."""
    held = accounts[accounts["subtype"] == subtype]
    return pd.Series(held.index.to_numpy(), index=held["user_id"].to_numpy())


@dataclass(frozen=True)
class Bill:
    """A recurring payment to one payee: the paying account rows, the day of month it falls
    on (yearly bills: and the month, 1-12), its base amount, and how it reads on a
    statement (a name and merchant per payer, or one for all)."""

    payers: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    name: str | np.ndarray
    merchant: str | np.ndarray
    category: str
    channel: str = "online"
    month: np.ndarray | None = None
    variation: float = 0.0  # log spread of the amount from month to month
    plan: Subscription | None = None  # a subscription: its price on the day it is charged


def website(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum()) + ".com"


@dataclass
class Book:
    ctx: Context
    users: pd.DataFrame
    accounts: pd.DataFrame

    def rng(self, purpose: str) -> np.random.Generator:
        return self.ctx.rng(TABLE, purpose)

    @cached_property
    def merchants(self) -> pd.DataFrame:
        return merchant_table(self.ctx)

    @cached_property
    def checking(self) -> pd.Series:
        return index_by_user(self.accounts, "checking")

    @cached_property
    def opened(self) -> np.ndarray:
        return self.accounts["created_at"].to_numpy().astype("datetime64[s]")

    def of_kind(self, subtype: str) -> np.ndarray:
        return self.accounts.index[self.accounts["subtype"] == subtype].to_numpy()

    @cached_property
    def _checking_of(self) -> np.ndarray:
        owner = pd.Index(self.checking.index).get_indexer(self.accounts["user_id"].to_numpy())
        return self.checking.to_numpy()[owner]

    def checking_of(self, rows: np.ndarray) -> np.ndarray:
        """The owner's checking account row of each account row."""
        return self._checking_of[rows]

    @cached_property
    def pay(self) -> pd.DataFrame:
        """Per checking account: the employer (or pension), the payday phase of weekly and
        biweekly pay (which Fridays), the user's gross income, home state and signup, the
        month the employer's yearly raises take effect, and the share of the income paid as a
        yearly bonus (0: none; drawn from a stream of its own)."""
        rng, income = self.rng("payroll"), self.ctx.persona.income
        owner = pd.Series(np.arange(len(self.users)), index=self.users["id"])
        user_rows = owner.loc[self.checking.index].to_numpy()
        n = len(user_rows)
        retired = income.category == "INCOME_RETIREMENT_PENSION"
        payers = PENSION_PAYERS if retired else pools(self.ctx.seed).companies
        step = 14 if income.pay_frequency is PayFrequency.BIWEEKLY else 7
        bonus = income.bonus
        paid_bonus = self.rng("bonus").random(n) < (bonus.probability if bonus else 0.0)
        return pd.DataFrame(
            {
                "account": self.checking.to_numpy(),
                "payer": payers[rng.integers(0, len(payers), n)].astype(str),
                "phase": rng.integers(0, step // 7, n) * 7,
                "annual": self.users["annual_income"].to_numpy(dtype=float)[user_rows],
                "signup": self.users["created_at"].to_numpy().astype("datetime64[D]")[user_rows],
                "region": self.users["region"].to_numpy(dtype=object)[user_rows],
                "review": rng.choice(REVIEW_MONTHS, n, p=REVIEW_WEIGHTS),
                "bonus": np.where(paid_bonus, bonus.share if bonus else 0.0, 0.0),
            }
        )

    @cached_property
    def habits(self) -> Habits:
        """Where and how often each household shops (``habits``)."""
        n_users = len(spending_users(self.accounts))
        code, places = regular_places(self.ctx, n_users, self.merchants)
        median = self.ctx.persona.income.annual.median
        return Habits(
            code, places, services.keepers(self.ctx, n_users, self.merchants),
            appetite(self.users, self.accounts, median), transit_fares(self.accounts, self.users),
        )  # fmt: skip

    @cached_property
    def monthly_net_pay(self) -> np.ndarray:
        """Per checking account: a month of the owner's take-home pay at signup."""
        annual, income = self.pay["annual"].to_numpy(), self.ctx.persona.income
        kept = withholding.kept_back(
            annual, self.pay["region"].to_numpy(), income, self.pay["payer"].to_numpy()
        )
        return annual * (1 - kept) / 12

    @cached_property
    def kept_balance(self) -> np.ndarray:
        """The balance each checking account's owner keeps there, and so its balance at the
        start of every month: drawn once per account from the persona's checking balance, and
        at least a month of take-home pay and the rent (what keeps the month's bills paid
        until payday, when the rent falls due before it)."""
        spec = self.ctx.persona.accounts["checking"]
        drawn = lognormal(self.rng("kept balance"), spec.balance, len(self.checking))
        rent = pd.Series(0.0, index=self.checking.to_numpy())
        if self.rent is not None:
            rent.loc[self.rent.payers] = self.rent.amount
        return np.round(np.maximum(drawn, self.monthly_net_pay + rent.to_numpy()), 2)

    @cached_property
    def rent(self) -> Bill | None:
        housing = self.ctx.persona.spending.housing
        if housing is None:
            return None
        rng = self.rng("rent")
        owners = set(self.accounts.loc[self.accounts["subtype"] == "mortgage", "user_id"])
        checking = self.checking
        renters = checking[
            ~checking.index.isin(owners) & (rng.random(len(checking)) < housing.rent_probability)
        ].to_numpy()
        n = len(renters)
        amount = np.round(lognormal(rng, housing.rent, n), -1)
        landlord = np.where(
            rng.random(n) < 0.5,
            LANDLORDS[rng.integers(0, len(LANDLORDS), n)],
            np.char.add(
                pools(self.ctx.seed).local_surnames[rng.integers(0, 50, n)], " Property Management"
            ),
        ).astype(str)
        return Bill(
            renters, np.full(n, housing.day_of_month), amount, np.char.add("RENT ", landlord),
            landlord, "RENT_AND_UTILITIES_RENT", channel="other",
        )  # fmt: skip

    @cached_property
    def utilities(self) -> list[Bill]:
        rng = self.rng("utilities")
        checking = self.checking.to_numpy()
        bills = []
        for bill in self.ctx.persona.spending.utilities:
            payers = checking[rng.random(len(checking)) < bill.probability]
            base = lognormal(rng, bill.amount, len(payers))
            day = rng.integers(5, 26, len(payers))
            bills.append(
                Bill(payers, day, base, bill.name.upper(), bill.name, bill.category,
                     variation=bill.variation)
            )  # fmt: skip
        return bills

    @cached_property
    def subscriptions(self) -> list[Bill]:
        """On the card when the user has one, else on checking; yearly ones renew on a day
        drawn after the account opened."""
        rng = self.rng("subscriptions")
        payer = self.checking.copy()
        cards = index_by_user(self.accounts, "credit card")
        payer.loc[cards.index] = cards.to_numpy()
        users = self.checking.index.to_numpy()
        bills = []
        for sub in self.ctx.persona.spending.subscriptions:
            account = payer.loc[users[rng.random(len(users)) < sub.probability]].to_numpy()
            n = len(account)
            if sub.frequency is Frequency.ANNUALLY:
                renews = self.opened[account].astype("datetime64[D]") + rng.integers(1, 30, n)
                month = calendar.month_of_year(renews)
                day = (renews - renews.astype("datetime64[M]").astype("datetime64[D]")).astype(
                    int
                ) + 1
            else:
                month, day = None, rng.integers(1, 29, n)
            amount = np.full(n, sub.amount)
            bills.append(
                Bill(
                    account,
                    day,
                    amount,
                    sub.name.upper(),
                    sub.name,
                    sub.category,
                    month=month,
                    plan=sub,
                )
            )
        return bills

    @cached_property
    def external(self) -> dict[str, np.ndarray]:
        """Per checking account: how transfers to and from the user's account at another bank
        read (where the month's surplus is swept, and a shortfall comes from)."""
        rng = self.rng("external")
        n = len(self.checking)
        bank = np.char.upper(EXTERNAL_BANKS[rng.integers(0, len(EXTERNAL_BANKS), n)])
        mask = np.char.zfill(rng.integers(0, 10_000, n).astype(str), 4)
        at = np.char.add(np.char.add(bank, " XXXX"), mask)
        return {
            way: np.char.add(f"ONLINE TRANSFER {way} ", at).astype(object) for way in ("TO", "FROM")
        }
