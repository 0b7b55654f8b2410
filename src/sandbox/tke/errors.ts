/** An error the emulator answers with, in Tencent Cloud API 3.0 terms ({"Error": {Code, Message}}). */
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

export const missingParameter = (field: string): ApiError =>
  new ApiError('MissingParameter', `The request is missing a required parameter \`${field}\`.`);

export const invalidParameter = (field: string, detail?: string): ApiError =>
  new ApiError('InvalidParameter', `The parameter \`${field}\` is not valid${detail ? `: ${detail}` : ''}.`);

export const invalidParameterValue = (field: string, detail: string): ApiError =>
  new ApiError('InvalidParameterValue', `The value of parameter \`${field}\` is not valid: ${detail}.`);

export const clusterNotFound = (clusterId: string): ApiError =>
  new ApiError('InvalidParameter.ClusterNotFound', `Cluster \`${clusterId}\` was not found.`);
