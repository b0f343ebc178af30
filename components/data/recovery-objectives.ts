// The guide's disaster-recovery objectives as numbers the program checks, not prose: the alert on a missing backup,
// the restore test's time limit and the DR drill all read them from here.

/** Recovery point objective: at most this much committed data may be lost (one daily backup). */
export const RPO_HOURS = 24;
/** A backup slower than this is killed and reported as failed, not left running into the next one. */
export const BACKUP_DEADLINE_SECONDS = 6 * 3600;
/**
 * When the backup-missing alert fires by default: the RPO plus the backup Job's own deadline. Two successful
 * daily runs can finish up to RPO + deadline apart (one done at 03:01, the next killed-short-of-deadline at 08:59
 * the day after), so anything tighter pages on a healthy schedule, anything looser lets the RPO slip unnoticed.
 */
export const BACKUP_MISSING_AFTER_HOURS = RPO_HOURS + BACKUP_DEADLINE_SECONDS / 3600;
/** Recovery time objective, the default of backup.rtoBudgetSeconds: a restore test slower than this fails. */
export const RTO_BUDGET_SECONDS = 4 * 3600;
