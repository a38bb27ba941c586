package rules_test

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

func jobWithArgs(args []string) *rules.Workload {
	job := &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "app", Image: "app", Command: args}},
	}}}}
	return rules.WorkloadOf(&manifest.Object{Kind: "Job", Name: "j", Typed: job})
}
