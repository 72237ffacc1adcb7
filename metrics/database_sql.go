package metrics

// The database counts, sent together in one round trip.
const (
	// fleetSQL counts the fleet summary's schemas by kind and state, $1
	// being the tenant set's latest version.
	fleetSQL = `SELECT kind,
		CASE WHEN last_error IS NOT NULL THEN 'failed'
		     WHEN version < $1 THEN 'behind'
		     WHEN version > $1 THEN 'ahead'
		     ELSE 'current' END,
		count(*)
	FROM public.tenantry_schema_state GROUP BY 1, 2`

	// jobsSQL counts River's jobs by kind and state.
	jobsSQL = `SELECT kind, state::text, count(*) FROM public.river_job GROUP BY 1, 2`

	// jobStatesSQL lists every job state River knows, so that a state with
	// no job is reported as 0.
	jobStatesSQL = `SELECT unnest(enum_range(NULL::public.river_job_state))::text`
)

// fleetKinds and fleetStates are the values fleetSQL can return; every
// pair is reported, 0 when no schema is so.
var (
	fleetKinds  = []string{"static", "dynamic", "spare"}
	fleetStates = []string{"current", "behind", "ahead", "failed"}
)
