-- What a team keeps asserting about its seeded database (run with psql -v ON_ERROR_STOP=1).
-- Each DO block raises, and so fails the CI step, when its rule does not hold.

-- Row counts: the persona landed, with history.
DO $$
BEGIN
  IF (SELECT count(*) FROM users WHERE persona = 'student') < 50 THEN
    RAISE EXCEPTION 'too few users: %', (SELECT count(*) FROM users WHERE persona = 'student');
  END IF;
  IF (SELECT count(*) FROM transactions WHERE persona = 'student') < 10000 THEN
    RAISE EXCEPTION 'too few transactions';
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
  IF EXISTS (SELECT 1 FROM content c
             WHERE NOT EXISTS (SELECT 1 FROM jobs j
                               WHERE j.persona = c.persona AND j.content_id = c.id
                                 AND j.status = 'completed')) THEN
    RAISE EXCEPTION 'a content item without its completed job';
  END IF;
END $$;

-- What the blocking checks guarantee, as the app sees it: emails unique within a persona,
-- balances that add up (a missing one does not), pending rows only at the end, each pending
-- row replaced at most once.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM users GROUP BY persona, email HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'two users share an email';
  END IF;
  IF EXISTS (
      SELECT 1 FROM accounts a
      LEFT JOIN (SELECT persona, account_id, sum(amount) AS flows FROM transactions
                 WHERE NOT pending GROUP BY persona, account_id) t USING (persona, account_id)
      WHERE a.type = 'depository'
        AND coalesce(abs(a.opening_balance - coalesce(t.flows, 0) - a.balance_current), 1) > 0.005)
  THEN
    RAISE EXCEPTION 'a bank balance that does not add up';
  END IF;
  IF EXISTS (SELECT 1 FROM transactions WHERE pending
             AND date < (SELECT max(date) FROM transactions) - 9) THEN
    RAISE EXCEPTION 'a pending transaction older than nine days';
  END IF;
  IF EXISTS (SELECT pending_transaction_id FROM transactions
             WHERE pending_transaction_id IS NOT NULL
             GROUP BY pending_transaction_id HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'a pending transaction replaced twice';
  END IF;
END $$;

SELECT 'seeded: ' || (SELECT count(*) FROM users) || ' users, '
       || (SELECT count(*) FROM transactions) || ' transactions' AS result;
