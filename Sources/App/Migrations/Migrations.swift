import Fluent

/// Every schema change, in order. Append only: a released migration is never edited, a
/// change is a new file (they run on SQLite and PostgreSQL alike).
public enum Migrations {
    public static var all: [any Migration] {
        [
            CreateInstallations(),
            CreateWebhookDeliveries(),
            CreateJobs(),
            CreateEmployees(),
            CreateEmploymentContracts(),
            CreateDocuments(),
            CreateOutboundNotifications(),
            // Browser sessions (setup hand-over, admin login), in the database so that
            // several instances share them.
            SessionRecord.migration,
            CreateContractHistory(),
            AddInstallationReconciledAt(),
            CreateDocumentContents(),
            AddSyncIndexes(),
            AddCallbackCopies(),
            CreateSettings(),
            CreateBrowserSessions(),
            CreateAPIKeys(),
            CreateAuditEvents(),
            CreateAllowedAccounts(),
            CreateSetupRequests(),
            CreateNotificationTargets(),
            CreateConnectLinks(),
            CreateContractRequests(),
            AddDataLifecycle(),
            AddListIndexes(),
            AddEmployeeSearch(),
            AddCallbackCopyIndex(),
            CreateContractBatches(),
            CreateInstallationDataFields(),
            AddPlannedJobsIndex(),
            AddPendingDeliveriesIndex(),
        ]
    }
}
