-- PostgreSQL translation of migrations/006_rubric_dimensions.sql (the same statements: on a
-- database built by this code they find nothing to move unless rows arrived before 006 ran).
-- Banks v2: one rubric dimension id means one thing in every category. Three v1 ids meant
-- something else in one category; their stored ratings move to the id that means that now,
-- so existing ratings keep their meaning:
--   salary_negotiation  self_awareness ("Composure under pressure") -> composure
--   situational         self_awareness ("Judgement and values")     -> judgement
--   product_sense       curiosity      ("User insight")             -> user_insight
UPDATE ratings SET dimension = 'composure'
 WHERE dimension = 'self_awareness'
   AND answer_id IN (SELECT id FROM answers WHERE category = 'salary_negotiation');
UPDATE ratings SET dimension = 'judgement'
 WHERE dimension = 'self_awareness'
   AND answer_id IN (SELECT id FROM answers WHERE category = 'situational');
UPDATE ratings SET dimension = 'user_insight'
 WHERE dimension = 'curiosity'
   AND answer_id IN (SELECT id FROM answers WHERE category = 'product_sense');

-- The weak-area rows per dimension were added up by id, so rebuild them from the ratings:
-- per (tenant, author, dimension, day of the rating) the count and the sum, as apply_rating
-- keeps them. Ratings of withdrawn answers were removed with the answer.
DELETE FROM skills WHERE area LIKE 'dimension:%';
INSERT INTO skills (tenant, user_id, area, day, n, total)
SELECT r.tenant, a.user_id, 'dimension:' || r.dimension, substr(r.created_at, 1, 10), COUNT(*), SUM(r.score)
  FROM ratings r JOIN answers a ON a.id = r.answer_id
 WHERE r.dimension <> '' AND a.withdrawn = 0
 GROUP BY r.tenant, a.user_id, r.dimension, substr(r.created_at, 1, 10);
