package rules

// workloadRules are the rules about pod templates: lifecycle (MB1xx),
// startup and injection (MB2xx), proxy resources (MB3xx).
func workloadRules() []*Rule {
	return []*Rule{
		JobSidecarNeverExits,
		QuitquitquitWrong,
		QuitVsRestartPolicy,
		CronJobForbidStall,
		NoActiveDeadline,
		NativeSidecarUnsupported,
		ExitOnZeroMisuse,
		StartupRace,
		HoldNoopNative,
		AppInitContainerNetwork,
		ProxyConfigInvalid,
		AnnotationOnWrongObject,
		InjectAnnotationDeprecated,
		HostNetworkNotInjected,
		UID1337,
		AmbientSidecarMix,
		ProxyMemoryUnset,
		ProxyResourcesPartial,
		ProxyResourcesInvalid,
		SidecarScopeMissing,
	}
}
