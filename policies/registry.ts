// Every policy of the pack, in checklist order. Importing this starts nothing: index.ts hands the list to
// CrossGuard's PolicyPack, offline.ts runs the same objects without the policy server.
import { apparmor } from "./workloads/apparmor";
import { capabilities } from "./workloads/capabilities";
import { egressPeers } from "./workloads/egress-peers";
import { envCredentials } from "./workloads/env-credentials";
import { hostNamespaces } from "./workloads/host-namespaces";
import { hostPath } from "./workloads/host-path";
import { hostPorts } from "./workloads/host-ports";
import { hostProcess } from "./workloads/host-process";
import { hpaRange } from "./workloads/hpa-range";
import { hpaTarget } from "./workloads/hpa-target";
import { hpaThresholds } from "./workloads/hpa-thresholds";
import { imagePinned } from "./workloads/image-pinned";
import { minReplicas } from "./workloads/min-replicas";
import { namespace } from "./workloads/namespace";
import { noReplicasUnderHpa } from "./workloads/no-replicas-under-hpa";
import { noMigrationInAppCommand } from "./workloads/no-migration-in-app-command";
import { pdbAllowsEviction } from "./workloads/pdb-allows-eviction";
import { pdbCoverage } from "./workloads/pdb-coverage";
import { privilegeEscalation } from "./workloads/privilege-escalation";
import { privileged } from "./workloads/privileged";
import { probePorts } from "./workloads/probe-ports";
import { probes } from "./workloads/probes";
import { procMount } from "./workloads/proc-mount";
import { rbacScaleOnly } from "./workloads/rbac-scale-only";
import { readOnlyRootFilesystem } from "./workloads/read-only-root-filesystem";
import { requiredLabels } from "./workloads/required-labels";
import { resources } from "./workloads/resources";
import { rollingUpdate } from "./workloads/rolling-update";
import { runAsNonRootUser } from "./workloads/run-as-non-root-user";
import { runAsNonRoot } from "./workloads/run-as-non-root";
import { seccomp } from "./workloads/seccomp";
import { selectorMatchesTemplate } from "./workloads/selector-matches";
import { selinux } from "./workloads/selinux";
import { serviceAccountToken } from "./workloads/service-account-token";
import { sysctls } from "./workloads/sysctls";
import { volumeTypes } from "./workloads/volume-types";
import { cronJobConcurrency } from "./jobs/cronjob-concurrency";
import { cronJobDeadlines } from "./jobs/cronjob-deadlines";
import { cronJobHistory } from "./jobs/cronjob-history";
import { cronJobSchedule } from "./jobs/cronjob-schedule";
import { cronJobTimeZone } from "./jobs/cronjob-time-zone";
import { migrationJob } from "./jobs/migration";
import { restartPolicy } from "./jobs/restart-policy";
import { maxAge } from "./secrets/max-age";
import { noCredentialsInConfigMap } from "./secrets/no-credentials-in-configmap";
import { rotationAnnotations } from "./secrets/rotation-annotations";
import { rotationDueSoon } from "./secrets/rotation-due-soon";
import { rotationOverdue } from "./secrets/rotation-overdue";
import { daily } from "./backups/daily";
import { offCluster } from "./backups/off-cluster";
import { pruneIdentity } from "./backups/prune-identity";
import { preMigration } from "./backups/pre-migration";
import { present } from "./backups/present";
import { restoreTest } from "./backups/restore-test";
import { restoreTestSchedule } from "./backups/restore-test-schedule";
import { retention } from "./backups/retention";
import { alertRulesPresent } from "./release/alert-rules-present";
import { alertThresholds } from "./release/alert-thresholds";
import { branchProtection } from "./release/branch-protection";
import { connectionBudget } from "./release/connection-budget";
import { migrationOrder } from "./release/migration-order";
import { FkPolicy } from "./lib/policy";

export const POLICIES: FkPolicy[] = [
    apparmor,
    capabilities,
    egressPeers,
    envCredentials,
    hostNamespaces,
    hostPath,
    hostPorts,
    hostProcess,
    hpaRange,
    hpaTarget,
    hpaThresholds,
    imagePinned,
    minReplicas,
    namespace,
    noReplicasUnderHpa,
    noMigrationInAppCommand,
    pdbAllowsEviction,
    pdbCoverage,
    privilegeEscalation,
    privileged,
    probePorts,
    probes,
    procMount,
    rbacScaleOnly,
    readOnlyRootFilesystem,
    requiredLabels,
    resources,
    rollingUpdate,
    runAsNonRootUser,
    runAsNonRoot,
    seccomp,
    selectorMatchesTemplate,
    selinux,
    serviceAccountToken,
    sysctls,
    volumeTypes,
    cronJobConcurrency,
    cronJobDeadlines,
    cronJobHistory,
    cronJobSchedule,
    cronJobTimeZone,
    migrationJob,
    restartPolicy,
    maxAge,
    noCredentialsInConfigMap,
    rotationAnnotations,
    rotationDueSoon,
    rotationOverdue,
    daily,
    preMigration,
    present,
    restoreTest,
    restoreTestSchedule,
    retention,
    offCluster,
    pruneIdentity,
    alertRulesPresent,
    alertThresholds,
    branchProtection,
    connectionBudget,
    migrationOrder,
];
