package jobs

import (
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"
)

// Registration is a worker to add to the client, made by AppWorker.
type Registration struct {
	kind     string
	add      func(*river.Workers) error
	tenantOf tenantDecoder // nil for a job that is not a tenant job
}

// tenantDecoder reads the tenant id from a job's encoded arguments.
type tenantDecoder func(encodedArgs []byte) (int64, error)

// AppWorker returns the registration of an application's worker, for
// Config.AppWorkers. When T implements TenantJob (by embedding TenantArgs)
// its jobs are tenant jobs and run inside their tenant like the built-in
// ones.
func AppWorker[T river.JobArgs](w river.Worker[T]) Registration {
	var args T
	kind := args.Kind()
	return Registration{
		kind:     kind,
		add:      func(ws *river.Workers) error { return river.AddWorkerSafely(ws, w) },
		tenantOf: decodeTenant[T](kind),
	}
}

// decodeTenant returns how to read the tenant of a T job, or nil when T is
// not a tenant job.
func decodeTenant[T river.JobArgs](kind string) tenantDecoder {
	var zero T
	_, byValue := any(zero).(TenantJob)
	_, byPointer := any(&zero).(TenantJob)
	if !byValue && !byPointer {
		return nil
	}
	return func(encoded []byte) (int64, error) {
		var args T
		if err := json.Unmarshal(encoded, &args); err != nil {
			return 0, fmt.Errorf("decode %s arguments: %w", kind, err)
		}
		if tj, ok := any(args).(TenantJob); ok {
			return tj.JobTenant(), nil
		}
		return any(&args).(TenantJob).JobTenant(), nil
	}
}
