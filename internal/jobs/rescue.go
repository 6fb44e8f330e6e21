package jobs

import (
	"context"
)

// A killed worker's job must be finished by another within 30 s. River
// rescues a running job only when its attempted_at is older than
// RescueStuckJobsAfter, and its rescuer runs every 30 s on the leader: too
// slow, and a short RescueStuckJobsAfter would also rescue live long jobs
// (an export runs for minutes). So klipp keeps a heartbeat of its own, in
// River's own column:
//
//   - every Beat (2 s) each worker sets attempted_at = now() on the jobs it
//     is running (beatJobs), so a live job's attempted_at is never old
//     (River sets it when the job starts);
//   - every Beat each worker also makes available again every klipp job
//     that is running but whose attempted_at is older than Stale (10 s):
//     its worker has not beaten for five beats, so it is gone (rescue).
//
// The next fetch (LISTEN/NOTIFY or the 500 ms poll) of any worker then
// takes it: a SIGKILLed worker's job restarts within about Stale + Beat +
// the poll, 13 s. The job starts over as a new attempt; the export resumes
// from its journal on the shared disk, reusing every finished step. River's
// own rescuer stays on its default of one hour as a backstop.

// beatJobs heartbeats the jobs this process is running.
func (c *Client) beatJobs(ctx context.Context) error {
	ids := c.running.list()
	if len(ids) == 0 {
		return nil
	}
	_, err := c.pool.Exec(ctx, `UPDATE river_job SET attempted_at = now() WHERE id = ANY($1) AND state = 'running'`, ids)
	return err
}

// rescue makes running klipp jobs without a heartbeat available again and
// returns their ids.
func (c *Client) rescue(ctx context.Context) ([]int64, error) {
	rows, err := c.pool.Query(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE state = 'running' AND kind = ANY($1) AND attempted_at < now() - make_interval(secs => $2)
		RETURNING id`, Kinds, Stale.Seconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
