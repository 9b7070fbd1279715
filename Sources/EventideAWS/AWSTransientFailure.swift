/// Which answers from an AWS service are worth sending the request again for, shared by the SQS and S3
/// clients: the server failed (HTTP 5xx) or asked the client to slow down (HTTP 429 or a throttling code).
/// A refused or reset connection is transient too; each client classifies its own transport errors.
public enum AWSTransientFailure {
    /// The error codes AWS services use for "slow down" (the AWS SDKs' throttling list).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "SlowDown", "PriorRequestNotComplete",
        "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
    ]

    /// Whether an error answer with this HTTP status and error code may succeed when sent again later.
    public static func isTransient(status: Int, code: String) -> Bool {
        status >= 500 || status == 429 || throttlingCodes.contains(code)
    }
}
