/* fn_dest.c: OnFailure destinations: an SQS queue ARN gets SendMessage at
 * --sqs-endpoint, an SNS topic ARN gets Publish at --sns-endpoint, both in
 * the query protocol (form POST, XML answer) every SQS/SNS-compatible server
 * speaks, SigV4-signed for the ARN's region. It reports, never retries. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "streams/fn_internal.h"

/* arn:aws:SERVICE:REGION:ACCOUNT:NAME into its parts (NAME without ':'). */
static bool split_arn(const char *arn, const char *service, char *region, char *account,
                      char *name) {
    char svc[16];
    if (sscanf(arn, "arn:aws:%15[^:]:%63[^:]:%31[^:]:%255[^:]", svc, region, account, name) != 4)
        return false;
    return !strcmp(svc, service) && !strchr(arn + strlen(arn) - strlen(name), ':');
}

/* The <TAG>text</TAG> of an XML answer, for error messages. */
static void xml_text(const char *xml, const char *tag, char *dst, size_t dlen) {
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = xml ? strstr(xml, open) : NULL;
    const char *b = a ? strstr(a, close) : NULL;
    if (a && b) snprintf(dst, dlen, "%.*s", (int)(b - a - strlen(open)), a + strlen(open));
}

int fn_send_destination(fn_registry_t *r, const char *arn, const char *json, size_t len, char *err,
                        size_t errlen) {
    char region[64], account[32], name[256];
    bool sqs = split_arn(arn, "sqs", region, account, name);
    bool sns = !sqs && split_arn(arn, "sns", region, account, name);
    const char *ep = sqs ? r->o.sqs_endpoint : sns ? r->o.sns_endpoint : NULL;
    if (!sqs && !sns) {
        snprintf(err, errlen, "%s is not an SQS queue or SNS topic ARN", arn);
        return -1;
    }
    if (!ep) {
        snprintf(err, errlen, "no %s for the destination %s",
                 sqs ? "--sqs-endpoint" : "--sns-endpoint", arn);
        return -1;
    }
    size_t el = strlen(ep);
    while (el && ep[el - 1] == '/')
        el--;
    char *url = malloc(el + strlen(account) + strlen(name) + 4);
    char *msg = fn__urlencode(json, len);
    char *target = NULL, *form = NULL;
    if (url && msg) {
        if (sqs) {
            /* posted to the queue URL itself, which every SQS server routes */
            sprintf(url, "%.*s/%s/%s", (int)el, ep, account, name);
            target = fn__urlencode(url, strlen(url));
        } else {
            sprintf(url, "%.*s/", (int)el, ep);
            target = fn__urlencode(arn, strlen(arn));
        }
    }
    size_t fl = (msg ? strlen(msg) : 0) + (target ? strlen(target) : 0) + 128;
    if (target) form = malloc(fl);
    if (!form) {
        free(url);
        free(msg);
        free(target);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (sqs) {
        snprintf(form, fl, "Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=%s",
                 target, msg);
    } else {
        snprintf(form, fl, "Action=Publish&Version=2010-03-31&TopicArn=%s&Message=%s", target, msg);
    }
    fn__http_resp_t resp;
    fn__http_post(r, url, "application/x-www-form-urlencoded; charset=utf-8", form, strlen(form),
                  sqs ? "sqs" : "sns", region, 10000, &resp);
    int rc = 0;
    if (!resp.status) {
        snprintf(err, errlen, "cannot send to %s at %s: %s", arn, url,
                 curl_easy_strerror((CURLcode)resp.curl_code));
        rc = -1;
    } else if (resp.status != 200) {
        char code[128] = "", text[256] = "";
        xml_text(resp.body, "Code", code, sizeof code);
        xml_text(resp.body, "Message", text, sizeof text);
        snprintf(err, errlen, "%s refused the message for %s: HTTP %d %s%s%s", url, arn,
                 resp.status, code, code[0] && text[0] ? ": " : "", text);
        rc = -1;
    }
    fn__http_resp_free(&resp);
    free(url);
    free(msg);
    free(target);
    free(form);
    return rc;
}
