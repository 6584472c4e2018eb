namespace LocalRuntime.Functions.Extensibility;

/// <summary>Who may call an HTTP endpoint, as the Functions host's authorization levels (<c>authLevel</c> of an HTTP trigger).</summary>
public enum FunctionAuthorizationLevel
{
    /// <summary>Anyone.</summary>
    Anonymous,

    /// <summary>A function key or the master key (<c>x-functions-key</c> header or <c>code</c> query), when keys are configured.</summary>
    Function,

    /// <summary>The master key only, when keys are configured (also <c>System</c>).</summary>
    Admin,
}
