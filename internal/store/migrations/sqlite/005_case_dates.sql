-- When a request arrived and when it was delivered, for turnaround
-- statistics (klipp stats). Existing cases count from their creation.
ALTER TABLE cases ADD COLUMN received_ns INTEGER;
ALTER TABLE cases ADD COLUMN delivered_ns INTEGER;
UPDATE cases SET received_ns = created_ns;
