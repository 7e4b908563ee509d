/**
 * The flow logs' counts in a diagnosis's summary: what confirms the cause, what contradicts it, and
 * nothing where the records say nothing. Flow logs record the VPC's decision (Amazon VPC User Guide, "Flow
 * log records": REJECT means "the traffic was not allowed by the security groups or network ACLs"), so a
 * REJECT confirms a group or ACL and contradicts a host firewall, and ACCEPT without a reply does the
 * opposite. Summaries are written out here in full, not built from the code under test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../../lambda/core/diagnose/diagnose.ts';
import type { DiagnosisInput } from '../../../../lambda/core/diagnose/input.ts';
import type { FlowLogReading, FlowLogVerdict } from '../../../../lambda/core/evidence/flow-log.ts';
import type { ProbeResult } from '../../../../lambda/core/probe/types.ts';
import type { Blocker, Verdict } from '../../../../lambda/core/reachability/types.ts';

const ID = 'i-0123456789abcdef0';
const TIMEOUT: ProbeResult = {
  target: { host: '10.0.1.25', port: 22 },
  outcome: 'timeout',
  phases: { totalMs: 3001 },
};

function verdict(blockers: Blocker[]): Verdict {
  return {
    instanceId: ID,
    address: '10.0.1.25',
    source: '10.0.9.0/24',
    family: 'ipv4',
    reachable: blockers.length === 0,
    blockers,
  };
}

const SG_BLOCK: Blocker = {
  code: 'SG_INGRESS_NO_MATCH',
  resourceId: 'sg-0ab12cd34ef567890',
  direction: 'inbound',
  detail: 'no inbound rule allows tcp/22 from 10.0.9.0/24',
};
const NACL_RETURN: Blocker = {
  code: 'NACL_OUTBOUND_DENY',
  resourceId: 'acl-0a1b2c3d',
  direction: 'outbound',
  ruleNumber: 32767,
  detail: 'the default * rule denies return traffic to 1024-65535',
};

function reading(verdict: FlowLogVerdict, over: Partial<FlowLogReading> = {}): FlowLogReading {
  return {
    verdict,
    inboundAccepted: 0,
    inboundRejected: 0,
    returnAccepted: 0,
    returnRejected: 0,
    rejectedFrom: [],
    window: {
      from: '2026-12-01T10:00:00Z',
      to: '2026-12-01T10:15:00Z',
      aggregationSeconds: 60,
      trafficType: 'ALL',
      flowLogId: 'fl-0123456789abcdef0',
    },
    ...over,
  };
}

const REJECTED_ONE_SOURCE = reading('rejected', {
  inboundRejected: 12,
  rejectedFrom: [{ address: '10.0.9.14', packets: 12 }],
});
const REJECTED_TWO_SOURCES = reading('rejected', {
  inboundRejected: 7,
  rejectedFrom: [
    { address: '10.0.9.14', packets: 6 },
    { address: '10.0.9.15', packets: 1 },
  ],
});
const NO_REPLY = reading('no-reply', { inboundAccepted: 9 });
const ONE_NO_REPLY = reading('no-reply', { inboundAccepted: 1 });
const RETURN_REJECTED = reading('return-rejected', { inboundAccepted: 4, returnRejected: 4 });
const SILENT = reading('silent');
const ANSWERED = reading('answered', { inboundAccepted: 3, returnAccepted: 3 });

function input(over: Partial<DiagnosisInput>): DiagnosisInput {
  return {
    instanceId: ID,
    expect: 'open',
    probe: TIMEOUT,
    proberVerdict: verdict([]),
    sourceVerdicts: [],
    signals: { instanceId: ID, state: 'running', systemStatus: 'ok', instanceStatus: 'ok' },
    ...over,
  };
}

const SG_SUMMARY =
  'Security group sg-0ab12cd34ef567890 has no ingress rule letting 10.0.9.0/24 reach i-0123456789abcdef0 on tcp/22';
const DROP_SUMMARY =
  'The path to i-0123456789abcdef0:22 is open in AWS and its status checks pass, but the SYN went unanswered for 3001 ms: a host firewall drops it';

describe('flow-log counts in the summary', () => {
  const cases: { name: string; input: DiagnosisInput; code: string; summary: string }[] = [
    {
      name: 'a security group blocks, the VPC rejected the packets: confirmed, the one source named',
      input: input({ proberVerdict: verdict([SG_BLOCK]), observations: { flowLog: REJECTED_ONE_SOURCE } }),
      code: 'BLOCKED_BY_SECURITY_GROUP',
      summary: `${SG_SUMMARY}; the VPC's flow logs agree: 12 packets to port 22 rejected by the VPC (all from 10.0.9.14)`,
    },
    {
      name: 'two rejected sources: the first is "most"',
      input: input({ proberVerdict: verdict([SG_BLOCK]), observations: { flowLog: REJECTED_TWO_SOURCES } }),
      code: 'BLOCKED_BY_SECURITY_GROUP',
      summary: `${SG_SUMMARY}; the VPC's flow logs agree: 7 packets to port 22 rejected by the VPC (most from 10.0.9.14)`,
    },
    {
      name: 'a security group blocks, yet the VPC accepted the packets: contradicted, look at the host',
      input: input({ proberVerdict: verdict([SG_BLOCK]), observations: { flowLog: NO_REPLY } }),
      code: 'BLOCKED_BY_SECURITY_GROUP',
      summary: `${SG_SUMMARY}; yet the VPC's flow logs show 9 packets to port 22 accepted by the VPC, none answered by the instance: the VPC delivers them, so look at the host`,
    },
    {
      name: 'a network ACL drops the replies, the VPC rejected them on the way back: confirmed',
      input: input({ proberVerdict: verdict([NACL_RETURN]), observations: { flowLog: RETURN_REJECTED } }),
      code: 'BLOCKED_BY_NETWORK_ACL',
      summary:
        "Network ACL acl-0a1b2c3d rule 32767 blocks return traffic to the ephemeral ports between 10.0.9.0/24 and i-0123456789abcdef0; the VPC's flow logs agree: 4 packets to port 22 accepted, 4 packets back rejected by the VPC (a network ACL's outbound rules)",
    },
    {
      name: 'a host firewall drop, the VPC accepted and nothing came back: confirmed',
      input: input({ observations: { flowLog: NO_REPLY } }),
      code: 'HOST_FIREWALL_DROP',
      summary: `${DROP_SUMMARY}; the VPC's flow logs agree: 9 packets to port 22 accepted by the VPC, none answered by the instance`,
    },
    {
      name: 'one packet is singular',
      input: input({ observations: { flowLog: ONE_NO_REPLY } }),
      code: 'HOST_FIREWALL_DROP',
      summary: `${DROP_SUMMARY}; the VPC's flow logs agree: 1 packet to port 22 accepted by the VPC, none answered by the instance`,
    },
    {
      name: 'a host firewall drop, yet the VPC rejected: the inventory may be stale',
      input: input({ observations: { flowLog: REJECTED_ONE_SOURCE } }),
      code: 'HOST_FIREWALL_DROP',
      summary: `${DROP_SUMMARY}; yet the VPC's flow logs show 12 packets to port 22 rejected by the VPC (all from 10.0.9.14): a security group or network ACL rejects them that the inventory does not show (it may be out of date)`,
    },
    {
      // A flow log of ACCEPTs only has no record of a reply rejected on its way back (a network ACL's
      // outbound rules), so an unanswered SYN there neither confirms a host drop nor rules an ACL out.
      name: 'accepted in, no reply, from a flow log of acceptances only: nothing added',
      input: input({
        observations: { flowLog: { ...NO_REPLY, window: { ...NO_REPLY.window, trafficType: 'ACCEPT' } } },
      }),
      code: 'HOST_FIREWALL_DROP',
      summary: DROP_SUMMARY,
    },
    {
      name: 'no records: nothing added (they may not have arrived yet)',
      input: input({ observations: { flowLog: SILENT } }),
      code: 'HOST_FIREWALL_DROP',
      summary: DROP_SUMMARY,
    },
    {
      name: "answered flows are another client's: nothing added",
      input: input({ observations: { flowLog: ANSWERED } }),
      code: 'HOST_FIREWALL_DROP',
      summary: DROP_SUMMARY,
    },
    {
      name: 'flow logs not read: the summary as before',
      input: input({}),
      code: 'HOST_FIREWALL_DROP',
      summary: DROP_SUMMARY,
    },
    {
      name: 'no analysed path: the records point to where the packets were lost',
      input: input({ proberVerdict: undefined, observations: { flowLog: REJECTED_ONE_SOURCE } }),
      code: 'UNKNOWN',
      summary:
        "Could not determine the state of SSH on i-0123456789abcdef0: the probe got timeout and the prober's path was not analysed, so AWS configuration cannot be excluded; the VPC's flow logs show 12 packets to port 22 rejected by the VPC (all from 10.0.9.14)",
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = diagnose(c.input);
      assert.equal(d.code, c.code);
      assert.equal(d.summary, c.summary);
    });

  it('the port named is the monitored one (port22:port), not 22', () => {
    const d = diagnose(
      input({
        port: 2222,
        probe: { ...TIMEOUT, target: { host: '10.0.1.25', port: 2222 } },
        observations: { flowLog: NO_REPLY },
      }),
    );
    assert.match(d.summary, /9 packets to port 2222 accepted by the VPC/);
  });
});
