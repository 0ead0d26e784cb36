-- Shared C helpers: personal identity numbers and seeded random numbers.
SET datestyle = ISO;

-- Valid numbers: a personnummer, the hyphen form, a samordningsnummer (day + 60).
SELECT pn, skolval.personal_number_problem(pn) AS problem,
       skolval.personal_number_normalize(pn) AS canonical,
       skolval.personal_number_birth_date(pn) AS born
  FROM (VALUES ('201507152385'), ('20150715-2385'), ('201507752382')) v(pn);

-- Invalid ones, each with its reason.
SELECT pn, skolval.personal_number_problem(pn) AS problem
  FROM (VALUES ('201507152384'), ('20150732-2381'), ('2015071523'), ('20150715x2385'),
               ('201502292384'), ('')) v(pn);

-- The normalizer raises 22P02 and never echoes the number.
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.expect_error($$ SELECT skolval.personal_number_normalize('201507152384') $$);
SELECT pg_temp.expect_error($$ SELECT skolval.personal_number_birth_date('2015') $$);

-- make() produces valid numbers whose birth date round-trips, for every serial.
SELECT count(*) AS made,
       count(*) FILTER (WHERE skolval.personal_number_problem(pn) IS NULL) AS valid,
       count(*) FILTER (WHERE skolval.personal_number_birth_date(pn) = d) AS same_birth_date,
       count(DISTINCT pn) AS distinct_numbers
  FROM generate_series(0, 999) s,
       LATERAL (SELECT date '2021-02-28' + (s % 3) AS d) x,
       LATERAL (SELECT skolval.personal_number_make(x.d, s) AS pn) y;
SELECT pg_temp.expect_error($$ SELECT skolval.personal_number_make('2021-03-01', 1000) $$);
SELECT pg_temp.expect_error($$ SELECT skolval.personal_number_make('infinity', 1) $$);

-- seeded_random: reproducible, in [0, 1), independent of call order, sensitive to each input.
SELECT skolval.seeded_random(1, 'lottery', 1) = skolval.seeded_random(1, 'lottery', 1) AS reproducible,
       skolval.seeded_random(1, 'lottery', 1) <> skolval.seeded_random(2, 'lottery', 1) AS seed_matters,
       skolval.seeded_random(1, 'lottery', 1) <> skolval.seeded_random(1, 'lotterx', 1) AS stream_matters,
       skolval.seeded_random(1, 'lottery', 1) <> skolval.seeded_random(1, 'lottery', 2) AS index_matters;
-- Pinned values: a change here changes every stored lottery; do not accept a new value lightly.
SELECT round(skolval.seeded_random(42, 'lottery', n)::numeric, 12) AS value
  FROM generate_series(1, 3) n;
-- 100,000 draws: all in [0,1), mean and deciles as a uniform distribution's.
SELECT min(r) >= 0 AS min_ok, max(r) < 1 AS max_ok,
       abs(avg(r) - 0.5) < 0.005 AS mean_ok,
       max(abs(cnt - 10000)) < 400 AS deciles_ok
  FROM (SELECT r, count(*) OVER (PARTITION BY floor(r * 10)) AS cnt
          FROM (SELECT skolval.seeded_random(7, 'uniformity', n) AS r
                  FROM generate_series(1, 100000) n) a) b;
