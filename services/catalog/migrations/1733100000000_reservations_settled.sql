-- Up Migration
-- Whether the order service has confirmed that this reservation's order exists (DESIGN I11). Its reconciler reads
-- the unsettled ones older than a request deadline, records any order that is missing, and settles them.
ALTER TABLE reservations ADD COLUMN settled boolean NOT NULL DEFAULT false;
CREATE INDEX reservations_unsettled_idx ON reservations (created_at) WHERE NOT settled;

-- Down Migration
DROP INDEX reservations_unsettled_idx;
ALTER TABLE reservations DROP COLUMN settled;
