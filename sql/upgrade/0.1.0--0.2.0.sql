-- skolval 0.1.0 -> 0.2.0: changes to objects that already existed in 0.1.0.
-- New objects come from their own parts (listed in 0.1.0--0.2.0.parts after this file).

-- nightly() gained a "today" parameter and the payment steps; it is defined again in
-- 87_nightly_job.sql.
DROP FUNCTION skolval.nightly();
