-- PostgreSQL translation of migrations/003_answer_again_after_withdrawing.sql.
-- One answer per person per question, counting only answers that stand: someone who deletes
-- their answer (a typo, the wrong thread) may answer again.
DROP INDEX answers_one_per_question;
CREATE UNIQUE INDEX answers_one_per_question ON answers (round_id, q_index, user_id) WHERE withdrawn = 0;
