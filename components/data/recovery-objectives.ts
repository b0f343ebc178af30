// The guide's disaster-recovery objectives as numbers the program checks, not prose: the alert on a missing backup,
// the audit's judgement of the newest backup, restore test and maintenance run, the restore test's time limit, the
// policies and the DR drill all read them from here. Nothing else states these figures.

/** Recovery point objective: at most this much committed data may be lost (one daily backup). */
export const RPO_HOURS = 24;
/** A backup (or restore-test) run missed by more than this (cluster down) is skipped, not started late. */
export const BACKUP_STARTING_DEADLINE_SECONDS = 3600;
/** A backup slower than this is killed and reported as failed, not left running into the next one. */
export const BACKUP_DEADLINE_SECONDS = 6 * 3600;
/** The longest one backup or restore-test run may take to start and finish after its scheduled time. */
export const BACKUP_RUN_SECONDS = BACKUP_STARTING_DEADLINE_SECONDS + BACKUP_DEADLINE_SECONDS;

/**
 * The one derivation of "too old": the newest success of a schedule that must succeed every `objectiveHours` may
 * be as old as that objective plus the time one run may take to start (its CronJob's startingDeadlineSeconds) and
 * finish (its Job's activeDeadlineSeconds). A run scheduled at the objective's end may start that late and finish
 * that much later still; anything tighter reports a healthy schedule, anything looser lets the objective slip.
 */
export function maxSuccessAgeHours(objectiveHours: number, startingDeadlineSeconds: number, activeDeadlineSeconds: number): number {
    return objectiveHours + (startingDeadlineSeconds + activeDeadlineSeconds) / 3600;
}

/** When the backup-missing alert fires by default, and the audit's limit for this program's backups: RPO 24 h + 1 h + 6 h. */
export const BACKUP_MISSING_AFTER_HOURS = maxSuccessAgeHours(RPO_HOURS, BACKUP_STARTING_DEADLINE_SECONDS, BACKUP_DEADLINE_SECONDS);

/**
 * The guide's quarterly restore test and maintenance: a quarter is at most 92 days (July to September, October to
 * December). Schedules may not leave more than this between runs; the audit adds one run's start and finish to it.
 */
export const QUARTER_DAYS = 92;

/** Recovery time objective, the default of backup.rtoBudgetSeconds: a restore test slower than this fails. */
export const RTO_BUDGET_SECONDS = 4 * 3600;
