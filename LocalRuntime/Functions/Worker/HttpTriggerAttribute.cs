namespace Microsoft.Azure.Functions.Worker;

/// <summary>Who may call an HTTP function.</summary>
public enum AuthorizationLevel
{
    /// <summary>No key needed.</summary>
    Anonymous,
    /// <summary>A user token (treated as Function locally).</summary>
    User,
    /// <summary>A function or host key.</summary>
    Function,
    /// <summary>The system key.</summary>
    System,
    /// <summary>The master key.</summary>
    Admin,
}

/// <summary>Binds a parameter to the HTTP request that triggers the function.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class HttpTriggerAttribute : Attribute
{
    /// <summary>Function level, all methods (Microsoft's default).</summary>
    public HttpTriggerAttribute()
        : this(AuthorizationLevel.Function)
    {
    }

    /// <summary>Function level with the given methods.</summary>
    public HttpTriggerAttribute(params string[] methods)
        : this(AuthorizationLevel.Function, methods)
    {
    }

    /// <summary>The given level, all methods.</summary>
    public HttpTriggerAttribute(AuthorizationLevel authLevel)
    {
        AuthLevel = authLevel;
    }

    /// <summary>The given level and methods.</summary>
    public HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods)
    {
        AuthLevel = authLevel;
        Methods = methods;
    }

    /// <summary>The route template (relative to the route prefix); the function name when null.</summary>
    public string? Route { get; set; }

    /// <summary>Allowed methods; all when null or empty.</summary>
    public string[]? Methods { get; }

    /// <summary>The authorization level.</summary>
    public AuthorizationLevel AuthLevel { get; }
}
