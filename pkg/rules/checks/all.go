package checks

import (
	"strings"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// All returns every rule, ordered by id: the registry. A new rule is added
// here, in its place. It builds a fresh slice each time so that callers may
// filter it.
func All() []*rules.Rule {
	return []*rules.Rule{
		rules.InvalidInput,
		IstioValidationRejects,

		// Pod lifecycle: the sidecar and the end of the job (MB1xx).
		JobSidecarNeverExits,
		QuitquitquitWrong,
		QuitVsRestartPolicy,
		CronJobForbidStall,
		NoActiveDeadline,
		NativeSidecarUnsupported,
		ExitOnZeroMisuse,
		ExecFormShellLine,

		// Startup and injection (MB2xx).
		StartupRace,
		HoldNoopNative,
		AppInitContainerNetwork,
		ProxyConfigInvalid,
		AnnotationOnWrongObject,
		InjectAnnotationDeprecated,
		HostNetworkNotInjected,
		UID1337,
		AmbientSidecarMix,
		UnknownIstioKey,
		NativeSidecarValue,
		InjectorAnnotationInvalid,

		// Proxy resources and scope (MB3xx).
		ProxyMemoryUnset,
		ProxyResourcesPartial,
		ProxyResourcesInvalid,
		SidecarScopeMissing,

		// Workload certificates (MB4xx).
		SecretTTLExceedsMax,
		SecretTTLTooShort,
		LongJobCertRotation,
		UnknownCertKnob,
		AppReadsCertFiles,
		SecretTTLNotADuration,

		// mTLS, identity and authorization (MB5xx).
		NoSidecarToStrict,
		DRDisableVsStrict,
		PAPortLevelMTLS,
		PADuplicates,
		PADisableAmbient,
		APPrincipalSyntax,
		APJobIdentityMismatch,
		JobDefaultSA,
		APServiceAccountsCompat,
		APNeedsMTLS,
		APSelectorNoWorkload,
		APHTTPFieldsOnTCP,
		APAllowWithoutSelector,

		// External services and TLS origination (MB6xx).
		ExternalHostNoSE,
		SETCPNoAddress,
		StartTLSDBOrigination,
		ServerFirstPermissive,
		IstioMutualToExternal,
		DoubleTLS,
		DRNoServerVerify,
		DRCredentialNameNoSelector,
		DRHostNotFound,
		TLSMaterialMismatch,
		SEProtocolConflict,

		// Live state: objects with status, from a cluster or a dump (MB7xx).
		PodSidecarOutlivesApp,
		ProxyOOMKilled,
		CronJobStalled,
		InjectionMissed,
		AppStartedBeforeProxy,
		RootCAExpiring,
		JobPastDeadlineProxyRunning,
	}
}

// Lookup finds a rule by id or slug, case-insensitively.
func Lookup(idOrSlug string) *rules.Rule {
	for _, r := range All() {
		if strings.EqualFold(r.ID, idOrSlug) || strings.EqualFold(r.Slug, idOrSlug) {
			return r
		}
	}
	return nil
}
