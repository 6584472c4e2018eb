namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Marks the property of a multi-output return type that holds the HTTP response (ASP.NET Core integration);
/// the type's other properties are output bindings such as <see cref="QueueOutputAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpResultAttribute : Attribute
{
}
