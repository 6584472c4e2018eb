// ServerlessTasks on Azure Functions Flex Consumption (the app's one build, on Microsoft's host and Durable extension).
// Resources: a storage account (task hub, queues, deployment package), Log Analytics + Application
// Insights, a Flex Consumption plan and the function app with a system-assigned identity that reaches
// storage through role assignments (no connection strings): the task hub and queues, and the app's own stores
// (task index, event journal, callback store) on Azure Tables. The webhook signing secrets live in a Key Vault
// (RBAC; the app's identity is Key Vault Secrets User) and reach the app through a Key Vault reference.
targetScope = 'resourceGroup'

@description('Base name for all resources (3-16 lowercase letters and digits).')
@minLength(3)
@maxLength(16)
param appName string

@description('Azure region; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Durable task hub name (host.json extensions.durableTask.hubName).')
param taskHubName string = 'ServerlessTasks'

@description('Maximum instances the app may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Standard Webhooks signing secrets (whsec_...), space separated; stored in Key Vault, never as an app setting.')
@secure()
param webhookSecrets string

var suffix = uniqueString(resourceGroup().id, appName)
var storageName = take('st${appName}${suffix}', 24)
var vaultName = take('kv${appName}${suffix}', 24)
var deploymentContainer = 'deployments'

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageName
    location: location
    deploymentContainer: deploymentContainer
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: '${appName}-${suffix}'
    location: location
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: vaultName
    location: location
    webhookSecrets: webhookSecrets
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: '${appName}-${suffix}'
    location: location
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainer}'
    appInsightsConnectionString: monitoring.outputs.connectionString
    taskHubName: taskHubName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    webhookSecretUri: vault.outputs.webhookSecretUri
  }
}

module roles 'modules/storage-roles.bicep' = {
  name: 'storage-roles'
  params: {
    storageAccountName: storage.outputs.name
    principalId: functionApp.outputs.principalId
  }
}

module vaultRoles 'modules/keyvault-roles.bicep' = {
  name: 'keyvault-roles'
  params: {
    vaultName: vault.outputs.name
    principalId: functionApp.outputs.principalId
  }
}

@description('The function app\'s host name.')
output functionAppHostName string = functionApp.outputs.defaultHostName

@description('The storage account name (write it into local.settings.json for `func start` against Azure).')
output storageAccountName string = storage.outputs.name
