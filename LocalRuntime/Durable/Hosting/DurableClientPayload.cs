using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalRuntime.Durable.Hosting;

/// <summary>
/// The <c>durableClient</c> input binding's value as the isolated worker's Durable extension reads it (camelCase JSON):
/// it builds its gRPC <c>DurableTaskClient</c> from <see cref="RpcBaseUrl"/> and management URLs from <see cref="HttpBaseUrl"/>.
/// </summary>
internal sealed record DurableClientPayload(
    string TaskHubName,
    string ConnectionName,
    string RpcBaseUrl,
    string RequiredQueryStringParameters,
    string HttpBaseUrl,
    int MaxGrpcMessageSizeInBytes,
    string GrpcHttpClientTimeout)
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
