/** Request body of `POST /api/Contact/Query` (and `/FullContact`). */
export interface VirtuousCondition {
  parameter: string;
  operator: string;
  value?: string;
  secondaryValue?: string;
  values?: string[];
}

export interface VirtuousConditionGroup {
  conditions: VirtuousCondition[];
}

export interface VirtuousQueryBody {
  groups: VirtuousConditionGroup[];
  sortBy?: string;
  descending?: boolean;
  includeArchived?: boolean;
}

export interface VirtuousQueryEnvelope<T> {
  list: T[];
  total: number;
  /** Each item of `list` exactly as received, when asked for and found (not part of the API's answer). */
  rawList?: Uint8Array[];
}
