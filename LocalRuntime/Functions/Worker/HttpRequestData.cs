namespace Microsoft.Azure.Functions.Worker.Http;

/// <summary>
/// The worker's own HTTP request model. The app uses ASP.NET Core integration (<c>HttpRequest</c>); this type
/// exists so that signatures taking it compile the same as against Microsoft's packages.
/// </summary>
public abstract class HttpRequestData
{
    /// <summary>Creates the request for a function context.</summary>
    protected HttpRequestData(FunctionContext functionContext) => FunctionContext = functionContext;

    /// <summary>The invocation's context.</summary>
    public FunctionContext FunctionContext { get; }

    /// <summary>The request URL.</summary>
    public abstract Uri Url { get; }

    /// <summary>The HTTP method.</summary>
    public abstract string Method { get; }
}
