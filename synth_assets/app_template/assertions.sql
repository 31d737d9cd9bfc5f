-- What a team keeps asserting about its seeded database (run with psql -v ON_ERROR_STOP=1).
-- Each DO block raises, and so fails the CI step, when its rule does not hold. Every rule is
-- judged persona by persona: personas seeded as of different days sit side by side.

-- Row counts: the persona landed, with history, liabilities and the day's changes.
DO $$
BEGIN
  IF (SELECT count(*) FROM users WHERE persona = 'student') < 50 THEN
    RAISE EXCEPTION 'too few users: %', (SELECT count(*) FROM users WHERE persona = 'student');
  END IF;
  IF (SELECT count(*) FROM transactions WHERE persona = 'student') < 10000 THEN
    RAISE EXCEPTION 'too few transactions';
  END IF;
  IF EXISTS (SELECT 1 FROM users u
             WHERE NOT EXISTS (SELECT 1 FROM transaction_changes c WHERE c.persona = u.persona)) THEN
    RAISE EXCEPTION 'a persona without its transaction changes of the day';
  END IF;
END $$;

-- No orphans, in either direction the app relies on.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM accounts a
             WHERE NOT EXISTS (SELECT 1 FROM users u
                               WHERE u.persona = a.persona AND u.id = a.user_id)) THEN
    RAISE EXCEPTION 'an account without its user';
  END IF;
  IF EXISTS (SELECT 1 FROM transactions t
             WHERE NOT EXISTS (SELECT 1 FROM accounts a
                               WHERE a.persona = t.persona AND a.account_id = t.account_id)) THEN
    RAISE EXCEPTION 'a transaction without its account';
  END IF;
  IF EXISTS (SELECT 1 FROM accounts a
             WHERE a.type IN ('credit', 'loan')
               AND NOT EXISTS (SELECT 1 FROM liabilities l
                               WHERE l.persona = a.persona AND l.account_id = a.account_id)) THEN
    RAISE EXCEPTION 'a credit or loan account without its liability';
  END IF;
  IF EXISTS (SELECT 1 FROM content c
             WHERE NOT EXISTS (SELECT 1 FROM jobs j
                               WHERE j.persona = c.persona AND j.content_id = c.id
                                 AND j.status = 'completed')) THEN
    RAISE EXCEPTION 'a content item without its completed job';
  END IF;
END $$;

-- Money that hangs together: every balance is its opening balance and its posted flows
-- (a bank account loses what leaves it; a card or loan owes what is charged to it), a card's
-- available credit is its limit less what it owes, purchases are money leaving.
DO $$
BEGIN
  IF EXISTS (
      SELECT 1 FROM accounts a
      LEFT JOIN (SELECT persona, account_id, sum(amount) AS flows FROM transactions
                 WHERE NOT pending GROUP BY persona, account_id) t USING (persona, account_id)
      WHERE coalesce(abs(CASE WHEN a.type = 'depository'
                              THEN a.opening_balance - coalesce(t.flows, 0)
                              ELSE a.opening_balance + coalesce(t.flows, 0) END
                         - a.balance_current), 1) > 0.005)
  THEN
    RAISE EXCEPTION 'a balance that does not add up';
  END IF;
  IF EXISTS (SELECT 1 FROM accounts WHERE type = 'credit'
             AND coalesce(abs(balance_limit - balance_current - balance_available), 1) > 0.005) THEN
    RAISE EXCEPTION 'a card whose available credit is not its limit less what it owes';
  END IF;
  IF EXISTS (SELECT 1 FROM transactions WHERE payment_channel IN ('in store', 'online')
             AND amount <= 0) THEN
    RAISE EXCEPTION 'a purchase that brought money in';
  END IF;
END $$;

-- What the blocking checks guarantee, as the app sees it: emails unique within a persona,
-- authorised before posted, pending rows only in the persona's last days, and a pending row
-- gone once its posted row (which names it) is there.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM users GROUP BY persona, email HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'two users share an email';
  END IF;
  IF EXISTS (SELECT 1 FROM transactions WHERE authorized_date > date) THEN
    RAISE EXCEPTION 'a transaction authorised after it posted';
  END IF;
  IF EXISTS (SELECT 1 FROM transactions t WHERE t.pending
             AND t.date < (SELECT max(date) FROM transactions n WHERE n.persona = t.persona) - 9)
  THEN
    RAISE EXCEPTION 'a pending transaction older than nine days';
  END IF;
  IF EXISTS (SELECT 1 FROM transactions posted
             JOIN transactions held ON held.persona = posted.persona
                                   AND held.transaction_id = posted.pending_transaction_id) THEN
    RAISE EXCEPTION 'a pending transaction still there beside its posted one';
  END IF;
  IF EXISTS (SELECT persona, pending_transaction_id FROM transactions
             WHERE pending_transaction_id IS NOT NULL
             GROUP BY persona, pending_transaction_id HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'a pending transaction replaced twice';
  END IF;
END $$;

SELECT 'seeded: ' || (SELECT count(*) FROM users) || ' users, '
       || (SELECT count(*) FROM transactions) || ' transactions' AS result;
