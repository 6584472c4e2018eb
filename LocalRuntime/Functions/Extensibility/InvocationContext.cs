using Microsoft.AspNetCore.Http;

namespace LocalRuntime.Functions.Extensibility;

/// <summary>What an extension may need to know about one invocation when it supplies an input binding.</summary>
/// <param name="Function">The function being invoked.</param>
/// <param name="InvocationId">The invocation's id.</param>
/// <param name="HttpContext">The client's request, for HTTP-triggered invocations (e.g. to build URLs on the host the client used).</param>
public sealed record InvocationContext(FunctionDescriptor Function, string InvocationId, HttpContext? HttpContext);
