package store

import "context"

// LastActions returns, for a case, the sequence number of its newest audit
// entry of each action given (0 when none). An action ending in "." stands
// for every action it begins ("timeline." is timeline.add, .edit, .rm).
// One query over the case's rows (indexed by case).
func (s *Store) LastActions(ctx context.Context, number string, actions ...string) ([]int64, error) {
	q := `SELECT `
	args := []any{}
	for i, a := range actions {
		if i > 0 {
			q += `, `
		}
		pattern := `%"action":"` + a + `"%`
		if a != "" && a[len(a)-1] == '.' {
			pattern = `%"action":"` + a + `%`
		}
		q += `COALESCE(MAX(CASE WHEN line LIKE ? THEN seq END), 0)`
		args = append(args, pattern)
	}
	q += ` FROM audit WHERE case_number = ?`
	args = append(args, number)
	out := make([]int64, len(actions))
	dst := make([]any, len(actions))
	for i := range out {
		dst[i] = &out[i]
	}
	err := s.db.QueryRowContext(ctx, q, args...).Scan(dst...)
	return out, err
}
