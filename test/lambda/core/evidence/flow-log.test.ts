// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a flow log format is a list of ${field}s, not a template
/**
 * Records are AWS's own, from the Amazon VPC User Guide, "Flow log record examples"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html), or built field by field
 * in the same shape where the guide shows the case for another port (named at each case).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_FLOW_LOG_FORMAT,
  type FlowLogRecord,
  type FlowLogWindow,
  flowLogQuery,
  formatFields,
  parseFlowLogRecord,
  summariseFlowLogs,
} from '../../../../lambda/core/evidence/flow-log.ts';

const DEFAULT = formatFields(undefined)!;

// "Accepted and rejected traffic": SSH from 172.31.16.139 to 172.31.16.21 on eni-1235b8ca123456789, allowed.
const AWS_SSH_ACCEPT =
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
// The same section's RDP example, rejected.
const AWS_RDP_REJECT =
  '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK';
// "No data and skipped records".
const AWS_NODATA = '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA';
const AWS_SKIPDATA = '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA';

const window: FlowLogWindow = {
  from: '2026-12-01T11:40:00.000Z',
  to: '2026-12-01T12:00:00.000Z',
  aggregationSeconds: 600,
  trafficType: 'ALL',
  flowLogId: 'fl-0abc',
};

const target = { address: '172.31.16.21', port: 22, networkInterfaceId: 'eni-1235b8ca123456789' };

/** A default-format record for the target's ENI. */
const rec = (src: string, dst: string, sport: number, dport: number, packets: number, action: string) =>
  `2 123456789010 eni-1235b8ca123456789 ${src} ${dst} ${sport} ${dport} 6 ${packets} 4249 1418530010 1418530070 ${action} OK`;

const parseAll = (lines: string[]): FlowLogRecord[] =>
  lines.map((l) => parseFlowLogRecord(l, DEFAULT)).filter((r) => r !== undefined);

describe('formatFields', () => {
  it('reads the default format when a flow log names none (version 2, 14 fields)', () => {
    assert.equal(DEFAULT.length, 14);
    assert.deepEqual(DEFAULT.slice(3, 7), ['srcaddr', 'dstaddr', 'srcport', 'dstport']);
    assert.deepEqual(formatFields(''), DEFAULT);
    assert.deepEqual(formatFields(DEFAULT_FLOW_LOG_FORMAT), DEFAULT);
  });
  it('reads a custom format in its own order', () => {
    assert.deepEqual(
      formatFields('${vpc-id} ${action} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${tcp-flags}'),
      ['vpc-id', 'action', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'tcp-flags'],
    );
  });
  it('refuses a format without a field the summary reads, or that is not ${field}s', () => {
    assert.equal(formatFields('${srcaddr} ${dstaddr} ${srcport} ${dstport}'), undefined);
    assert.equal(formatFields('${srcaddr},${dstaddr} ${srcport} ${dstport} ${action}'), undefined);
  });
});

describe('parseFlowLogRecord', () => {
  it("parses AWS's SSH example", () => {
    assert.deepEqual(parseFlowLogRecord(AWS_SSH_ACCEPT, DEFAULT), {
      interfaceId: 'eni-1235b8ca123456789',
      srcaddr: '172.31.16.139',
      dstaddr: '172.31.16.21',
      srcport: 20641,
      dstport: 22,
      protocol: '6',
      packets: 20,
      action: 'ACCEPT',
      start: 1418530010,
    });
  });
  it('carries no flow for NODATA and SKIPDATA records, or a line of another format', () => {
    assert.equal(parseFlowLogRecord(AWS_NODATA, DEFAULT), undefined);
    assert.equal(parseFlowLogRecord(AWS_SKIPDATA, DEFAULT), undefined);
    assert.equal(parseFlowLogRecord('2 123456789010 eni-1 1.2.3.4 5.6.7.8 1 22 6', DEFAULT), undefined);
  });
  it('parses a custom-format record by its field positions, one packet per record without `packets`', () => {
    const fields = formatFields('${action} ${dstport} ${srcport} ${dstaddr} ${srcaddr}')!;
    assert.deepEqual(parseFlowLogRecord('REJECT 22 50122 10.0.1.5 203.0.113.9', fields), {
      srcaddr: '203.0.113.9',
      dstaddr: '10.0.1.5',
      srcport: 50122,
      dstport: 22,
      packets: 1,
      action: 'REJECT',
    });
  });
});

describe('summariseFlowLogs', () => {
  const cases: {
    name: string;
    lines: string[];
    verdict: string;
    code: string;
    counts: [number, number, number, number];
    detail: RegExp;
  }[] = [
    {
      // The guide's SSH example plus the reply it implies (srcport 22 back to the client's 20641).
      name: 'accepted both ways',
      lines: [AWS_SSH_ACCEPT, rec('172.31.16.21', '172.31.16.139', 22, 20641, 18, 'ACCEPT')],
      verdict: 'answered',
      code: 'FLOW_LOG_ANSWERED',
      counts: [20, 0, 18, 0],
      detail: /20 packets to port 22 accepted and 18 replies accepted/,
    },
    {
      name: 'accepted in, nothing back: the host',
      lines: [AWS_SSH_ACCEPT, rec('172.31.16.139', '172.31.16.21', 20642, 22, 3, 'ACCEPT')],
      verdict: 'no-reply',
      code: 'FLOW_LOG_NO_REPLY',
      counts: [23, 0, 0, 0],
      detail:
        /^flow logs: 23 packets to port 22 accepted by the VPC, no TCP reply from the instance: its firewall \(or a hung kernel\) dropped or rejected them \(fl-0abc, 2026-12-01T11:40:00.000Z to 2026-12-01T12:00:00.000Z, records aggregated over 10 min\)$/,
    },
    {
      name: 'rejected in, sources named by packets, most first',
      lines: [
        rec('203.0.113.9', '172.31.16.21', 40000, 22, 2, 'REJECT'),
        rec('198.51.100.4', '172.31.16.21', 40001, 22, 6, 'REJECT'),
        rec('203.0.113.9', '172.31.16.21', 40002, 22, 1, 'REJECT'),
      ],
      verdict: 'rejected',
      code: 'FLOW_LOG_REJECTED',
      counts: [0, 9, 0, 0],
      detail:
        /9 packets to port 22 rejected by the VPC \(a security group or network ACL\) from 198\.51\.100\.4 \(6\), 203\.0\.113\.9 \(3\) \(/,
    },
    {
      // "Security group and network ACL rules": the request is accepted, the response rejected by the
      // stateless network ACL (the guide shows it for ping; here for SSH).
      name: 'accepted in, reply rejected: an ACL outbound',
      lines: [AWS_SSH_ACCEPT, rec('172.31.16.21', '172.31.16.139', 22, 20641, 20, 'REJECT')],
      verdict: 'return-rejected',
      code: 'FLOW_LOG_RETURN_REJECTED',
      counts: [20, 0, 0, 20],
      detail: /20 replies from port 22 rejected by the VPC on the way back/,
    },
    {
      name: 'nothing on the SSH port (the RDP record and NODATA are not its traffic)',
      lines: [AWS_RDP_REJECT, AWS_NODATA],
      verdict: 'silent',
      code: 'FLOW_LOG_NO_RECORDS',
      counts: [0, 0, 0, 0],
      detail:
        /no record of port 22 on 172\.31\.16\.21: the packets never reached the interface, or their records have not arrived yet/,
    },
    {
      name: 'another interface with the same address is not this one',
      lines: [AWS_SSH_ACCEPT.replace('eni-1235b8ca123456789', 'eni-0ffff')],
      verdict: 'silent',
      code: 'FLOW_LOG_NO_RECORDS',
      counts: [0, 0, 0, 0],
      detail: /no record/,
    },
    {
      name: 'UDP to port 22 is not SSH',
      lines: [AWS_SSH_ACCEPT.replace(' 22 6 ', ' 22 17 ')],
      verdict: 'silent',
      code: 'FLOW_LOG_NO_RECORDS',
      counts: [0, 0, 0, 0],
      detail: /no record/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { reading, evidence } = summariseFlowLogs(parseAll(c.lines), target, window);
      assert.equal(reading.verdict, c.verdict);
      assert.deepEqual(
        [reading.inboundAccepted, reading.inboundRejected, reading.returnAccepted, reading.returnRejected],
        c.counts,
      );
      assert.equal(evidence.kind, 'flow-log');
      assert.equal(evidence.code, c.code);
      assert.equal(evidence.resourceId, 'fl-0abc');
      assert.match(evidence.detail, c.detail);
    });
  }

  it('names five rejected sources and counts the rest (at five: none counted; at six: "and 1 more")', () => {
    const from = (n: number) =>
      parseAll(
        Array.from({ length: n }, (_, i) =>
          rec(`203.0.113.${i + 1}`, '172.31.16.21', 40000, 22, 1, 'REJECT'),
        ),
      );
    const five = summariseFlowLogs(from(5), target, window).evidence.detail;
    assert.match(five, /203\.0\.113\.5 \(1\) \(/);
    assert.doesNotMatch(five, /more/);
    const six = summariseFlowLogs(from(6), target, window).evidence.detail;
    assert.match(six, /203\.0\.113\.5 \(1\) and 1 more \(/);
    assert.doesNotMatch(six, /203\.0\.113\.6/);
  });

  it('counts one packet and one reply in the singular, two in the plural', () => {
    const one = summariseFlowLogs(
      parseAll([
        rec('172.31.16.139', '172.31.16.21', 20641, 22, 1, 'ACCEPT'),
        rec('172.31.16.21', '172.31.16.139', 22, 20641, 1, 'ACCEPT'),
      ]),
      target,
      window,
    );
    assert.match(one.evidence.detail, /^flow logs: 1 packet to port 22 accepted and 1 reply accepted/);
    const two = summariseFlowLogs(
      parseAll([
        rec('172.31.16.139', '172.31.16.21', 20641, 22, 2, 'ACCEPT'),
        rec('172.31.16.21', '172.31.16.139', 22, 20641, 2, 'ACCEPT'),
      ]),
      target,
      window,
    );
    assert.match(two.evidence.detail, /^flow logs: 2 packets to port 22 accepted and 2 replies accepted/);
  });

  it('says a REJECT-only flow log proves nothing by silence, and a 1-minute interval', () => {
    const rejectOnly = { ...window, trafficType: 'REJECT' as const, aggregationSeconds: 60 };
    const { evidence } = summariseFlowLogs([], target, rejectOnly);
    assert.match(
      evidence.detail,
      /no rejected packet to port 22 recorded \(this flow log records rejections only\)/,
    );
    assert.match(evidence.detail, /aggregated over 1 min, REJECT only\)$/);
  });

  it('does not blame the host for a missing reply when the flow log records acceptances only', () => {
    // TrafficType ACCEPT leaves out REJECT records, so a reply a network ACL rejected on its way back
    // (Amazon VPC User Guide, "Flow log records": REJECT, "not allowed by the security groups or network
    // ACLs") leaves no record at all: the absence of an accepted reply does not say the instance was silent.
    const acceptOnly = { ...window, trafficType: 'ACCEPT' as const };
    const { evidence } = summariseFlowLogs(parseAll([AWS_SSH_ACCEPT]), target, acceptOnly);
    assert.match(
      evidence.detail,
      /^flow logs: 20 packets to port 22 accepted by the VPC, no accepted reply recorded \(this flow log records acceptances only: a reply rejected on its way back would not show\) \(fl-0abc, .*, ACCEPT only\)$/,
    );
  });
});

describe('flowLogQuery', () => {
  it('parses the format, filters both directions per port, newest first, limited', () => {
    const q = flowLogQuery(
      DEFAULT,
      [
        { address: '10.0.1.5', port: 22 },
        { address: '10.0.1.6', port: 22 },
        { address: '10.0.2.9', port: 2222 },
      ],
      500,
    );
    assert.equal(
      q,
      [
        'parse @message "* * * * * * * * * * * * * *" as f_version, f_account_id, f_interface_id, f_srcaddr, f_dstaddr, f_srcport, f_dstport, f_protocol, f_packets, f_bytes, f_start, f_end, f_action, f_log_status',
        'filter (f_dstport = "22" and f_dstaddr in ["10.0.1.5", "10.0.1.6"]) or (f_srcport = "22" and f_srcaddr in ["10.0.1.5", "10.0.1.6"]) or (f_dstport = "2222" and f_dstaddr in ["10.0.2.9"]) or (f_srcport = "2222" and f_srcaddr in ["10.0.2.9"])',
        'fields @message',
        'sort @timestamp desc',
        'limit 500',
      ].join('\n| '),
    );
  });
  it('refuses an address that could change the query', () => {
    assert.throws(
      () => flowLogQuery(DEFAULT, [{ address: '10.0.0.1"] or 1=1', port: 22 }], 10),
      /not an address/,
    );
  });
});
